import { ApiKeySchema } from './api-key';
import { EmailMessageSchema } from './email-message';
import { RenewalSchema } from './renewal';

export { ApiKey } from './api-key';
export { EmailMessage } from './email-message';
export { Renewal } from './renewal';

export const entities = [ApiKeySchema, EmailMessageSchema, RenewalSchema];
