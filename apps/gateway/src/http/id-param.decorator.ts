import { Param, ParseUUIDPipe } from '@nestjs/common';

/** The `:id` of a job or dataset route: ids are random UUIDs, so anything else is a 400 before the handler runs. */
export const IdParam = (): ParameterDecorator => Param('id', new ParseUUIDPipe());
