import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BoundaryGeoJsonRepository } from '@geobatch/geo-query';
import { BoundariesController } from './boundaries.controller';
import { BoundariesService } from './boundaries.service';
import { JobPointsController } from './job-points.controller';
import { JobPointsService } from './job-points.service';
import { UploadCoordinatesReader } from './upload-coordinates.reader';

/** The result map: a completed job's points and the dataset outlines they are drawn over. */
@Module({
  controllers: [JobPointsController, BoundariesController],
  providers: [
    JobPointsService,
    BoundariesService,
    UploadCoordinatesReader,
    { provide: BoundaryGeoJsonRepository, inject: [DataSource], useFactory: (ds: DataSource) => new BoundaryGeoJsonRepository(ds) },
  ],
})
export class MapModule {}
