import type { InProcessApi } from '../api/in-process';
import type { Orm } from '../db/orm.config';
import type { Logger } from '../logging';

export interface SurfacesConfig {
  /** `PUBLIC_URL`; an https one makes the session cookies `Secure`. */
  publicUrl: string;
  /** `PORTAL_LINK_SECRET`: without it, signed email links are refused as invalid. */
  portalLinkSecret?: string;
  temporalNamespace: string;
  /** `TEMPORAL_UI_URL`: without it, the console names the workflow id without linking it. */
  temporalUiUrl?: string;
  /** The configured payment gateway (`sandbox` shows the test-token form). */
  gateway?: string;
  /** `MAIL_FROM`, shown in the console's settings (the worker sends with it). */
  mailFrom?: string;
}

export interface SurfacesDeps {
  orm: Orm;
  api: InProcessApi;
  /** Drops a revoked key from the API's cache of verified keys, so this process refuses it at once. */
  forgetApiKey: (keyHash: string) => void;
  logger: Logger;
  config: SurfacesConfig;
}

export const isSecure = (config: SurfacesConfig): boolean => config.publicUrl.startsWith('https:');
