/** Status errors exactly as the API server sends them. */

import type { Obj } from './types.js';

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Obj,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  status(): Obj {
    const s: Obj = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason };
    if (this.details) s['details'] = this.details;
    s['code'] = this.code;
    return s;
  }
}

/** "daemonsets.apps" or "pods" */
export function qualifiedResource(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

function details(name: string | undefined, group: string, resource: string, extra: Obj = {}): Obj {
  const d: Obj = {};
  if (name !== undefined && name !== '') d['name'] = name;
  if (group) d['group'] = group;
  d['kind'] = resource;
  return { ...d, ...extra };
}

export const errors = {
  notFound(group: string, resource: string, name: string): ApiError {
    return new ApiError(404, 'NotFound', `${qualifiedResource(resource, group)} "${name}" not found`, details(name, group, resource));
  },
  /** A path the server does not serve (unknown group, version or resource). */
  pathNotFound(): ApiError {
    return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
  },
  alreadyExists(group: string, resource: string, name: string): ApiError {
    return new ApiError(409, 'AlreadyExists', `${qualifiedResource(resource, group)} "${name}" already exists`, details(name, group, resource));
  },
  conflict(group: string, resource: string, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): ApiError {
    return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(resource, group)} "${name}": ${why}`, details(name, group, resource));
  },
  invalid(group: string, kind: string, name: string, causes: { field: string; type: string; message: string }[]): ApiError {
    const parts = causes.map((c) => `${c.field}: ${c.message}`);
    const list = parts.length === 1 ? parts[0]! : `[${parts.join(', ')}]`;
    const qk = group ? `${kind}.${group}` : kind;
    return new ApiError(422, 'Invalid', `${qk} "${name}" is invalid: ${list}`, {
      ...details(name, group, kind),
      causes: causes.map((c) => ({ reason: c.type, message: c.message, field: c.field })),
    });
  },
  badRequest(message: string): ApiError {
    return new ApiError(400, 'BadRequest', message);
  },
  unauthorized(): ApiError {
    return new ApiError(401, 'Unauthorized', 'Unauthorized');
  },
  /** RBAC denial with the real message format. */
  forbidden(user: string, verb: string, group: string, resource: string, subresource: string, namespace: string | undefined, name: string | undefined): ApiError {
    const res = subresource ? `${resource}/${subresource}` : resource;
    const subject = name ? `${qualifiedResource(resource, group)} "${name}"` : qualifiedResource(resource, group);
    const scope = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope';
    return new ApiError(403, 'Forbidden', `${subject} is forbidden: User "${user}" cannot ${verb} resource "${res}" in API group "${group}" ${scope}`, details(name, group, resource));
  },
  forbiddenMessage(group: string, resource: string, name: string | undefined, why: string): ApiError {
    const subject = name ? `${qualifiedResource(resource, group)} "${name}"` : qualifiedResource(resource, group);
    return new ApiError(403, 'Forbidden', `${subject} is forbidden: ${why}`, details(name, group, resource));
  },
  methodNotAllowed(): ApiError {
    return new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
  },
  unsupportedMediaType(contentType: string, accepted: string[]): ApiError {
    return new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`, {});
  },
  expired(message: string): ApiError {
    return new ApiError(410, 'Expired', message, {});
  },
  internal(message: string): ApiError {
    return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
  },
  serviceUnavailable(message = 'the server is currently unable to handle the request'): ApiError {
    return new ApiError(503, 'ServiceUnavailable', message, {});
  },
  tooManyRequests(retryAfterSeconds: number): ApiError {
    return new ApiError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds }, { 'Retry-After': String(retryAfterSeconds) });
  },
};
