/** An error the API returns as `{ "error": { "code", "message" } }` with its HTTP status. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Response headers to send with the error, such as `Retry-After` on a 503. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  static notFound(what: string, id: string): ApiError {
    return new ApiError(404, 'not_found', `${what} ${id} not found`);
  }
}
