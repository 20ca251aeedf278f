/** A boundary file or its options are unusable; the message is meant for the person importing. */
export class BoundaryImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BoundaryImportError';
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;
const BOM = 0xfeff;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Splits a GeoJSON FeatureCollection, fed as text chunks of any size, into the JSON text of each
 * feature. Only the top-level object is interpreted (its `type` and `features` members), so memory
 * stays at one feature however large the file. Throws BoundaryImportError on a malformed collection;
 * the features themselves are checked by JSON.parse afterwards.
 */
export class FeatureCollectionScanner {
  private depth = 0;
  private started = false;
  private closed = false;
  private inString = false;
  private escaped = false;
  /** At depth 1: the next string is a member name. */
  private expectKey = false;
  /** At depth 1: a ':' was read, the member's value has not started yet. */
  private expectValue = false;
  private lastKey: string | null = null;
  /** Raw text of a depth-1 string (member name or string value) being read, across chunks. */
  private topString: string | null = null;
  private inFeatures = false;
  private sawFeatures = false;
  private inFeature = false;
  /** Text of the current feature from earlier chunks. */
  private pending = '';
  private featureCount = 0;
  private type: string | undefined;

  /** Start, in the current chunk, of the feature and of the depth-1 string being read (-1: none). */
  private featureStart = -1;
  private stringStart = -1;

  /** Feeds the next chunk; returns the features completed by it. */
  push(chunk: string): string[] {
    const out: string[] = [];
    this.featureStart = this.inFeature ? 0 : -1;
    this.stringStart = this.topString !== null ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      // Strings and the insides of features are most of the text: they stay in this loop.
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.stringStart >= 0) {
            this.topStringDone(this.topString + chunk.slice(this.stringStart, i + 1));
            this.stringStart = -1;
          }
        }
        continue;
      }
      if (isSpace(c)) continue;
      if (this.closed) throw new BoundaryImportError('unexpected content after the end of the top-level JSON object');
      if (this.depth <= 1) {
        this.topLevelChar(c, i);
        continue;
      }
      if (this.depth === 2 && this.inFeatures && !this.inFeature) {
        this.featuresArrayChar(c, i);
        continue;
      }
      if (c === QUOTE) this.inString = true;
      else if (c === LBRACE || c === LBRACKET) this.depth++;
      else if (c === RBRACE || c === RBRACKET) {
        this.depth--;
        if (this.depth === 2 && this.inFeature) {
          out.push(this.pending + chunk.slice(this.featureStart, i + 1));
          this.pending = '';
          this.inFeature = false;
          this.featureStart = -1;
          this.featureCount++;
        } else if (this.depth === 1) {
          this.expectKey = false;
        }
      }
    }
    if (this.inFeature) this.pending += chunk.slice(this.featureStart);
    if (this.stringStart >= 0) this.topString += chunk.slice(this.stringStart);
    return out;
  }

  /** A character outside any string at depth 0 or 1: the collection's braces and its members. */
  private topLevelChar(c: number, i: number): void {
    if (this.depth === 0) {
      if (c === BOM && !this.started) return;
      if (c !== LBRACE) throw new BoundaryImportError('not a GeoJSON FeatureCollection: the file is not a JSON object');
      this.started = true;
      this.depth = 1;
      this.expectKey = true;
      return;
    }
    if (c === QUOTE) {
      this.inString = true;
      this.topString = '';
      this.stringStart = i;
    } else if (c === COLON) {
      this.expectValue = true;
    } else if (c === COMMA) {
      this.expectKey = true;
      this.expectValue = false;
    } else if (c === RBRACE) {
      this.depth = 0;
      this.closed = true;
    } else {
      const isFeatures = this.expectValue && this.lastKey === 'features';
      if (isFeatures && c !== LBRACKET) throw new BoundaryImportError('not a GeoJSON FeatureCollection: "features" is not an array');
      this.expectValue = false;
      if (c === LBRACE || c === LBRACKET) {
        this.depth = 2;
        if (isFeatures) {
          this.inFeatures = true;
          this.sawFeatures = true;
        }
      }
      // Anything else is a number or literal value of a member: skipped.
    }
  }

  /** A character between the elements of `features`: each must be an object. */
  private featuresArrayChar(c: number, i: number): void {
    if (c === LBRACE) {
      this.inFeature = true;
      this.featureStart = i;
      this.depth = 3;
    } else if (c === RBRACKET) {
      this.inFeatures = false;
      this.depth = 1;
    } else if (c !== COMMA) {
      throw new BoundaryImportError(`not a GeoJSON FeatureCollection: element ${this.featureCount + 1} of "features" is not an object`);
    }
  }

  /** Call after the last chunk: checks the collection was complete and really a FeatureCollection. */
  end(): void {
    if (!this.started) throw new BoundaryImportError('the file is empty');
    if (!this.closed) throw new BoundaryImportError('the file ends in the middle of the JSON (truncated?)');
    if (this.type !== 'FeatureCollection') throw this.notCollection();
    if (!this.sawFeatures) throw new BoundaryImportError('not a GeoJSON FeatureCollection: it has no "features" array');
  }

  get features(): number {
    return this.featureCount;
  }

  private topStringDone(raw: string): void {
    this.topString = null;
    let value: string;
    try {
      value = JSON.parse(raw) as string;
    } catch {
      throw new BoundaryImportError(`invalid JSON string ${raw.slice(0, 40)}`);
    }
    if (this.expectKey && !this.expectValue) {
      this.lastKey = value;
      this.expectKey = false;
      return;
    }
    if (this.expectValue) {
      this.expectValue = false;
      if (this.lastKey === 'features') throw new BoundaryImportError('not a GeoJSON FeatureCollection: "features" is not an array');
      if (this.lastKey === 'type') {
        this.type = value;
        // Fail before reading further when the type says it is something else.
        if (value !== 'FeatureCollection') throw this.notCollection();
      }
    }
  }

  private notCollection(): BoundaryImportError {
    const got = this.type === undefined ? 'no "type" member' : `"type" is ${JSON.stringify(this.type)}`;
    return new BoundaryImportError(`not a GeoJSON FeatureCollection (${got})`);
  }
}
