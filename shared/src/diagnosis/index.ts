export * from './doctor.js';
export * from './matrix.js';
export { parseResolvConf, type ResolvConf } from './parsers/resolv-conf.js';
export { parseRoutes, parseInterfaces, parseNeighbours, defaultRoutes, type RouteEntry, type NetInterface, type Neighbour } from './parsers/ip-json.js';
export { parseConntrackUsage, parseConntrackStats, type ConntrackUsage, type ConntrackStats } from './parsers/conntrack.js';
export { parseIptablesSave, parseNftRuleset, tablesRead, blockingRules, type Ruleset, type FirewallRule, type FirewallChain, type BlockingRule, type FirewallSource } from './parsers/firewall-rules.js';
export { splitFiles, splitDigQueries, parseFping, parseNmapReasons, type FpingResult } from './parsers/batch-output.js';
