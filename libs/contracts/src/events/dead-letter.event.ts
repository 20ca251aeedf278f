import { Type } from 'class-transformer';
import { IsArray, IsInt, IsISO8601, IsOptional, IsString, Min, ValidateNested } from 'class-validator';
import { Topics } from '../topics';

export class DeadLetterSourceV1 {
  @IsString()
  topic!: string;

  @IsInt()
  @Min(0)
  partition!: number;

  @IsString()
  offset!: string;

  @IsOptional()
  @IsString()
  key!: string | null;
}

/**
 * A message a consumer could not handle (it does not decode into its event), parked so its
 * partition moves on: where it came from, who refused it and why, and the message itself.
 * Key: the original key, else `topic:partition:offset`.
 */
export class DeadLetterEventV1 {
  static readonly topic = Topics.deadLetter.name;

  @ValidateNested()
  @Type(() => DeadLetterSourceV1)
  source!: DeadLetterSourceV1;

  @IsString()
  consumerGroup!: string;

  @IsString()
  error!: string;

  @IsArray()
  @IsString({ each: true })
  problems!: string[];

  /** The message value as received: a JSON value, or a string (base64 for binary). */
  payload!: unknown;

  @IsISO8601()
  deadAt!: string;
}
