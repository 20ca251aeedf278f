import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { diskStorage } from 'multer';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config.module';
import { DatasetsController } from './datasets.controller';
import { DatasetsService, MAX_DATASET_FILES } from './datasets.service';

/** Folder under STORAGE_DIR where boundary uploads wait for their import (deleted right after). */
export const DATASET_UPLOADS_DIR = 'dataset-uploads';

@Module({
  imports: [
    MulterModule.registerAsync({
      inject: [GATEWAY_CONFIG],
      useFactory: (config: GatewayConfig) => ({
        // Streamed to disk: a national 읍면동 layer is hundreds of MB.
        storage: diskStorage({ destination: join(config.STORAGE_DIR, DATASET_UPLOADS_DIR), filename: (_req, _file, cb) => cb(null, randomUUID()) }),
        defParamCharset: 'utf8',
        limits: { fileSize: config.MAX_DATASET_UPLOAD_BYTES, files: MAX_DATASET_FILES, fields: 20, fieldSize: 64 * 1024 },
      }),
    }),
  ],
  controllers: [DatasetsController],
  providers: [DatasetsService],
})
export class DatasetsModule {}
