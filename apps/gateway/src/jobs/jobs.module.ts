import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config.module';
import { DatasetRepository } from '@geobatch/geo-query';
import { DATASET_LOOKUP, DatasetResolverService } from '../datasets/dataset-resolver.service';
import { ChunkPublisherService } from './chunk-publisher.service';
import { HashingDiskStorage } from './hashing-disk-storage';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';
import { RetentionSweeperService } from './retention-sweeper.service';

@Module({
  imports: [
    MulterModule.registerAsync({
      inject: [GATEWAY_CONFIG],
      useFactory: (config: GatewayConfig) => ({
        storage: new HashingDiskStorage(config.STORAGE_DIR),
        // Browsers and fetch send UTF-8 file names (e.g. 측정.csv); busboy would read them as latin1.
        defParamCharset: 'utf8',
        limits: { fileSize: config.MAX_UPLOAD_BYTES, files: 1, fields: 20, fieldSize: 64 * 1024 },
      }),
    }),
  ],
  controllers: [JobsController],
  providers: [JobsService, ChunkPublisherService, DatasetResolverService, { provide: DATASET_LOOKUP, useExisting: DatasetRepository }, RetentionSweeperService],
})
export class JobsModule {}
