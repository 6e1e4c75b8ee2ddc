export { compileFilter, type CompiledFilter, type ListedFacts, type ObjectFilter } from './objectFilter.js';
export { filterWithTags } from './filterWithTags.js';
export { compareWithDestination, compareObjects, type Comparison, type ObjectSummary } from './compareWithDestination.js';
export { joinListings, type JoinedObject } from './joinListings.js';
export { compareKeys } from './keyOrder.js';
export { fetchTags } from './fetchTags.js';
export { BucketListingError } from './listingError.js';
export { selectObjects, selectFromListings, type SelectedObject, type SelectionAction, type SelectionDefinition, type SelectOptions } from './selectObjects.js';
export { extraneousFromListings, extraneousObjects, emptyTally, type ExtraneousTally } from './extraneous.js';
