import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

export class EventDecodeError extends Error {
  constructor(
    readonly eventName: string,
    readonly problems: string[],
  ) {
    super(`invalid ${eventName}: ${problems.slice(0, 5).join('; ')}`);
    this.name = 'EventDecodeError';
  }
}

function flatten(errors: ValidationError[], path = ''): string[] {
  return errors.flatMap((e) => {
    const at = path ? `${path}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) => `${at}: ${m}`);
    return [...own, ...flatten(e.children ?? [], at)];
  });
}

/**
 * An event class that builds its own instance from a payload. Columnar events do: class-transformer
 * copies every entry of every column one by one (over half of decoding a 5,000-row chunk), while
 * their columns are plain values that need no conversion, only validation.
 */
export interface SelfInstantiating<T> {
  new (): T;
  fromPlain(payload: Record<string, unknown>): T;
}

function isSelfInstantiating<T>(cls: new () => T): cls is SelfInstantiating<T> {
  return typeof (cls as Partial<SelfInstantiating<T>>).fromPlain === 'function';
}

/** Shallow copies of `items` as instances of `cls` where they are objects; anything else is kept for validation to refuse. */
export function instancesOf<T extends object>(cls: new () => T, items: unknown): unknown {
  if (!Array.isArray(items)) return items;
  return items.map((item) => (item !== null && typeof item === 'object' && !Array.isArray(item) ? Object.assign(new cls(), item) : item));
}

/** Turns a decoded JSON payload into a validated instance of an event or DTO class, or throws EventDecodeError. */
export function decodeEvent<T extends object>(cls: new () => T, payload: unknown): T {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new EventDecodeError(cls.name, ['payload is not a JSON object']);
  }
  const instance = isSelfInstantiating(cls) ? cls.fromPlain(payload as Record<string, unknown>) : plainToInstance(cls, payload);
  const errors = validateSync(instance, { whitelist: true, forbidUnknownValues: true });
  if (errors.length > 0) throw new EventDecodeError(cls.name, flatten(errors));
  return instance;
}
