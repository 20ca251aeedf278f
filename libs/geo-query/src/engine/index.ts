export { compareCodesC, type BoundaryIndexStats, type BoundaryPieceInput, type IndexHit } from './boundary-index-data';
export * from './boundary-index-builder';
export * from './in-memory-boundary-index';
export { AreaChains, type BoundaryAreaInfo, type ChainEntry } from './area-chains';
export type { BoundarySource } from './boundary-snapshot';
export * from './boundary-index-loader';
export * from './in-memory-lookup';
