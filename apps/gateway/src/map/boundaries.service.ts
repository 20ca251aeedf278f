import { Injectable, NotFoundException } from '@nestjs/common';
import type { BoundaryCollectionDto, BoundaryFeatureDto, MapBoundaryLevel } from '@geobatch/contracts';
import { BoundaryGeoJsonRepository, DatasetRepository } from '@geobatch/geo-query';
import { featureCollection, featureOf, OUTLINE_DETAIL, type Bbox } from './boundary-features';

/** Levels of datasets kept simplified in memory: a dataset generation's polygons never change. */
const CACHED_LEVELS = 8;

/** `GET /datasets/:id/boundaries`: a dataset's simplified outlines, made once per generation and level. */
@Injectable()
export class BoundariesService {
  private readonly cache = new Map<string, Promise<BoundaryFeatureDto[]>>();

  constructor(
    private readonly datasets: DatasetRepository,
    private readonly outlines: BoundaryGeoJsonRepository,
  ) {}

  async boundaries(id: string, ownerKeyId: string, level: MapBoundaryLevel, bbox: Bbox | null): Promise<BoundaryCollectionDto> {
    // Shared datasets and the key's own, as GET /datasets/:id sees them.
    const dataset = await this.datasets.findById(id, { visibleTo: ownerKeyId });
    if (!dataset) throw new NotFoundException(`dataset ${id} not found`);
    return featureCollection(id, level, await this.features(id, level), bbox);
  }

  private features(id: string, level: MapBoundaryLevel): Promise<BoundaryFeatureDto[]> {
    const key = `${id}:${level}`;
    let found = this.cache.get(key);
    if (!found) {
      found = this.outlines.outlines(id, level, OUTLINE_DETAIL[level]).then((rows) => rows.map((r) => featureOf(r, level)));
      // A failed query is not kept: the next request tries again.
      found.catch(() => this.cache.delete(key));
      this.cache.set(key, found);
      if (this.cache.size > CACHED_LEVELS) this.cache.delete(this.cache.keys().next().value as string);
    }
    return found;
  }
}
