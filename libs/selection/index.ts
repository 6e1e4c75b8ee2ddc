export { compileFilter, type CompiledFilter, type ListedFacts, type ObjectFilter } from './objectFilter.js';
export { filterWithTags } from './filterWithTags.js';
export { compareWithDestination, compareObjects, type Comparison, type ObjectSummary } from './compareWithDestination.js';
export { compareKeys } from './keyOrder.js';
export { selectObjects } from './selectObjects.js';
