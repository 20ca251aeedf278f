import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { JobWebhookRepository } from '@geobatch/job-store';
import { DatabaseModule } from '../persistence/database.module';
import { WebhookDispatcherService } from './webhook-dispatcher.service';

/** Sends each ended job's signed callback (jobs created with a `callbackUrl`). */
@Module({
  imports: [DatabaseModule],
  providers: [
    { provide: JobWebhookRepository, inject: [DataSource], useFactory: (ds: DataSource) => new JobWebhookRepository(ds) },
    WebhookDispatcherService,
  ],
})
export class WebhooksModule {}
