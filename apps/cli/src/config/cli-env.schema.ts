import { IsNotEmpty, IsOptional, IsString } from 'class-validator';

/** Environment of the command-line tool. */
export class CliEnvSchema {
  /** PostgreSQL connection string of the Geobatch database (migrated, PostGIS). */
  @IsString()
  @IsNotEmpty()
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/geobatch';

  /** Set by npm to the directory `npm run` was started from: relative file arguments resolve against it. */
  @IsOptional()
  @IsString()
  INIT_CWD?: string;
}
