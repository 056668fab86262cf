// The QA reviewer's (品质保障员) screens: desk-first, online only, so their
// code lives under /console/ and loads on first use (never on a field phone).
import { register } from './roles.js';
import * as ui from './nav.js'; // the router, handed to the desk screens

const desk = () => import('../console/qa-desk.js');
register({
  roles: ['qa'],
  home: async () => (await desk()).qaDay(ui),
  routes: [
    [/^\/qa\/call\/([^/]+)$/, async (id) => (await desk()).qaReview(ui, decodeURIComponent(id))],
    [/^\/qa\/reports$/, async () => (await desk()).qaReports(ui)],
    [/^\/qa\/cal$/, async () => (await desk()).qaCalibrations(ui)],
    [/^\/qa\/cal\/([^/]+)$/, async (id) => (await desk()).qaCalibration(ui, decodeURIComponent(id))],
    // An agent's own reviews (the agent's screens link here).
    [/^\/my\/reviews$/, async () => (await import('../console/qa-mine.js')).myReviews(ui)],
    [/^\/my\/reviews\/([^/]+)$/, async (id) => (await import('../console/qa-mine.js')).myReview(ui, decodeURIComponent(id))],
  ],
});
