/** The OpenAPI security scheme of AUTH_MODE=token: `Authorization: Bearer <the user's token>`. */
export const BEARER_TOKEN = 'token';

export const BEARER_TOKEN_SCHEME = {
  type: 'http' as const,
  scheme: 'bearer',
  bearerFormat: 'opaque (43 characters of base64url)',
  description:
    'AUTH_MODE=token: the token POST /api/users/create returned. In open mode (the default) no token is needed.',
};
