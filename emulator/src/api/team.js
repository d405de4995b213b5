'use strict';
// GET /teams/{teamID}/metrics[/max]: the team's concurrent sandboxes and start rate, computed
// from the registry's history of running intervals (real, not sampled: every interval counts).
const { HttpError, sendJson } = require('./http');
const { TEAM_ID } = require('../team');

const MAX_POINTS = 1000;
const METRICS = { concurrent_sandboxes: 'concurrentSandboxes', sandbox_start_rate: 'sandboxStartRate' };

function mustBeOurs(teamId) {
  if (teamId !== TEAM_ID) {
    throw new HttpError(403, `You (${TEAM_ID}) are not authorized to access this team's (${teamId}) metrics`);
  }
}

function unix(q, name, dflt) {
  if (!q.has(name)) return dflt;
  const n = Number(q.get(name));
  if (!Number.isInteger(n) || n < 0) throw new HttpError(400, `'${name}' must be unix seconds`);
  return n;
}

// -> { start, end, step } in unix seconds; default window: the last hour.
function windowOf(q) {
  const now = Math.floor(Date.now() / 1000);
  const end = unix(q, 'end', now);
  const start = unix(q, 'start', end - 3600);
  if (start > end) throw new HttpError(400, "'start' must not be after 'end'");
  const step = Math.max(5, Math.ceil((end - start) / MAX_POINTS));
  return { start, end, step };
}

// One point per step starting at t, for the bucket [t, t+step) up to now: the most sandboxes
// running at once in it and its starts per second.
function series(history, { start, end, step }) {
  const out = [];
  const now = Date.now();
  for (let t = start; t <= end && t * 1000 <= now; t += step) {
    const lo = t * 1000;
    const hi = Math.min((t + step) * 1000, now + 1);
    const endOf = (h) => (h.end === null ? Infinity : h.end);
    const live = history.filter((h) => h.start < hi && endOf(h) > lo);
    // Max overlap inside the bucket: sweep the interval edges clipped to it.
    const edges = [];
    for (const h of live) {
      edges.push([Math.max(h.start, lo), 1]);
      if (endOf(h) < hi) edges.push([h.end, -1]);
    }
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let cur = 0;
    let max = 0;
    for (const [, d] of edges) { cur += d; if (cur > max) max = cur; }
    const starts = history.filter((h) => h.start >= lo && h.start < hi).length;
    out.push({
      timestamp: new Date(lo).toISOString(),
      timestampUnix: t,
      concurrentSandboxes: max,
      sandboxStartRate: Math.round((starts / step) * 1000) / 1000,
    });
  }
  return out;
}

async function metrics(ctx, req, res, teamId, q) {
  mustBeOurs(teamId);
  sendJson(res, 200, series(ctx.registry.history, windowOf(q)));
}

async function maxMetric(ctx, req, res, teamId, q) {
  mustBeOurs(teamId);
  const metric = q.get('metric');
  if (!metric) throw new HttpError(400, "'metric' is required (concurrent_sandboxes or sandbox_start_rate)");
  if (!METRICS[metric]) throw new HttpError(400, `invalid metric: ${metric}`);
  const points = series(ctx.registry.history, windowOf(q));
  let best = points[0] || { timestamp: new Date(0).toISOString(), timestampUnix: 0, concurrentSandboxes: 0, sandboxStartRate: 0 };
  for (const p of points) if (p[METRICS[metric]] > best[METRICS[metric]]) best = p;
  sendJson(res, 200, { timestamp: best.timestamp, timestampUnix: best.timestampUnix, value: best[METRICS[metric]] });
}

module.exports = { metrics, maxMetric, series };
