/**
 * The Content-Security-Policy both the citizen pages and the dashboard start from: every
 * script, style and request from this server only. Each side sets who may frame it.
 */
export const BASE_CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  formAction: ["'self'"],
  baseUri: ["'none'"],
  objectSrc: ["'none'"],
};
