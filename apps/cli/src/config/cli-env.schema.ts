import { IsNotEmpty, IsOptional, IsString, IsUrl } from 'class-validator';

/** Environment of the command-line tool. */
export class CliEnvSchema {
  /** PostgreSQL connection string of the Geobatch database (migrated, PostGIS): `datasets:*` commands. */
  @IsString()
  @IsNotEmpty()
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/geobatch';

  /** Base URL of the gateway for `submit`, `jobs`, `status`, `download` and `datasets`; `--url` overrides it. */
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'GEOBATCH_URL must be an http(s) URL, e.g. http://127.0.0.1:3000' })
  GEOBATCH_URL = 'http://127.0.0.1:3000';

  /** API key sent as `Authorization: Bearer <key>`; `--key` overrides it. */
  @IsOptional()
  @IsString()
  GEOBATCH_API_KEY?: string;

  /** Set by npm to the directory `npm run` was started from: relative file arguments resolve against it. */
  @IsOptional()
  @IsString()
  INIT_CWD?: string;
}
