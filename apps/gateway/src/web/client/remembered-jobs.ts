// The jobs this browser started, for a gateway that does not list jobs (GET /jobs answers 404).
import { store, stored } from './dom';
import { JOBS_STORE, REMEMBERED_JOBS } from './state';

export interface RememberedJob {
  id: string;
  fileName: string;
  createdAt: string;
}

export function rememberedJobs(): RememberedJob[] {
  try {
    const list: unknown = JSON.parse(stored(JOBS_STORE) ?? '[]');
    return Array.isArray(list) ? list.filter((j): j is RememberedJob => typeof j?.id === 'string') : [];
  } catch {
    return [];
  }
}

export function rememberJob(entry: RememberedJob): void {
  const list = rememberedJobs().filter((j) => j.id !== entry.id);
  list.unshift(entry);
  store(JOBS_STORE, JSON.stringify(list.slice(0, REMEMBERED_JOBS)));
}

export function forgetJob(id: string): void {
  store(JOBS_STORE, JSON.stringify(rememberedJobs().filter((j) => j.id !== id)));
}
