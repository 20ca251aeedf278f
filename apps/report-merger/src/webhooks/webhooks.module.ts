import { Module } from '@nestjs/common';
import { WebhookDispatcherService } from './webhook-dispatcher.service';

/** Sends each ended job's signed callback (jobs created with a `callbackUrl`). */
@Module({
  providers: [WebhookDispatcherService],
})
export class WebhooksModule {}
