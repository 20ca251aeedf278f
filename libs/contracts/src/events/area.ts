import { IsString, MaxLength } from 'class-validator';

/** One administrative area: its official code and its name. */
export class AreaV1 {
  @IsString()
  @MaxLength(20)
  code!: string;

  @IsString()
  @MaxLength(200)
  name!: string;
}
