// The supervisor's screens (registered with roles.js).
import { register, ui } from './roles.js';
import { h } from './dom.js';

register({
  roles: ['supervisor', 'admin'],
  home: async function supervisorHome() { ui.main.append(h('h2', null, 'supervisor')); },
  routes: [],
});
