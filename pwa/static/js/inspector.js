// The inspector's screens (registered with roles.js).
import { register, ui } from './roles.js';
import { h } from './dom.js';

register({
  roles: ['inspector'],
  home: async function inspectorHome() { ui.main.append(h('h2', null, 'inspector')); },
  routes: [],
});
