import { Module } from '@nestjs/common';
import { DatabaseModule } from '../persistence/database.module';
import { ChunkGeocoder } from './chunk-geocoder.service';
import { DeadLetterPublisher } from './dead-letter.publisher';
import { RowsChunkHandler } from './rows-chunk.handler';

@Module({
  imports: [DatabaseModule],
  controllers: [RowsChunkHandler],
  providers: [ChunkGeocoder, DeadLetterPublisher],
})
export class GeocodingModule {}
