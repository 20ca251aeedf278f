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

/** Turns a decoded JSON payload into a validated instance of an event or DTO class, or throws EventDecodeError. */
export function decodeEvent<T extends object>(cls: new () => T, payload: unknown): T {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new EventDecodeError(cls.name, ['payload is not a JSON object']);
  }
  const instance = plainToInstance(cls, payload);
  const errors = validateSync(instance, { whitelist: true, forbidUnknownValues: true });
  if (errors.length > 0) throw new EventDecodeError(cls.name, flatten(errors));
  return instance;
}
