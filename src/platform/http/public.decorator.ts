import { SetMetadata } from '@nestjs/common';

/** Policy metadata key read by the global guard in `auth`; lives here so platform routes can use it. */
export const POLICY_KEY = 'jumpgate:policy';

/** The route needs no authentication (only /health and the docs). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(POLICY_KEY, { kind: 'public' });
