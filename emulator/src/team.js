'use strict';
// The emulator's one team: every API key belongs to it. Its id is published in the ready line.
const TEAM_ID = '2f0c6e4e-5a53-4d6b-9e0e-3b1f8d1c2a77';
const TEAM_SLUG = 'emulator'; // the namespace of the team's named templates and snapshots

module.exports = { TEAM_ID, TEAM_SLUG };
