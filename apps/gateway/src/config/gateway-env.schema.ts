import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';
import { MAX_POINTS_PER_CHUNK } from '@geobatch/contracts';
import { CommonEnvSchema } from '@geobatch/util-config';

/** Environment of the gateway: the common variables plus HTTP and upload settings. */
export class GatewayEnvSchema extends CommonEnvSchema {
  /** HTTP port; 0 picks a free one. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  /** Interface to listen on; loopback unless told otherwise so a dev box does not expose the API. */
  @IsString()
  @IsNotEmpty()
  HOST = '127.0.0.1';

  /** Points per RowsChunkEventV2; bounded by the contract so a message always fits the broker's limit. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_POINTS_PER_CHUNK)
  CHUNK_SIZE = 5000;

  /** Largest accepted upload in bytes (default 2 GiB); the upload is refused with 413 beyond it. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  MAX_UPLOAD_BYTES = 2 * 1024 ** 3;
}
