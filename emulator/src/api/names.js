'use strict';
// Template / snapshot names as the API takes them: "[<team>/]<alias>[:<tag>]".
const { HttpError } = require('./http');
const { TEAM_SLUG } = require('../team');

const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,127}$/;
const TAG_RE = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}$/;

// -> { alias, tag|null }; HttpError 400 `Invalid name` / `Invalid tag` / another team's namespace.
function parseName(raw) {
  if (typeof raw !== 'string' || raw.trim() === '') throw new HttpError(400, 'Name is required');
  let rest = raw.trim();
  let tag = null;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0) { tag = rest.slice(colon + 1); rest = rest.slice(0, colon); }
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const ns = rest.slice(0, slash);
    rest = rest.slice(slash + 1);
    if (ns !== TEAM_SLUG) throw new HttpError(400, `Namespace '${ns}' does not match your team's namespace '${TEAM_SLUG}'`);
  }
  if (!NAME_RE.test(rest)) throw new HttpError(400, `Invalid name: '${raw}' (lowercase letters, digits, '.', '_' and '-', at most 128)`);
  if (tag !== null) checkTag(tag);
  return { alias: rest, tag };
}

function checkTag(tag) {
  if (typeof tag !== 'string' || !TAG_RE.test(tag)) throw new HttpError(400, `Invalid tag: '${tag}'`);
  return tag;
}

module.exports = { parseName, checkTag };
