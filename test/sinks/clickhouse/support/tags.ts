import type { CourseTags } from '../../../../src/openedx/api-types.js';
import { usage } from './course.js';

/** One taxonomy, a root tag and a non-ASCII child tag (json.dumps escapes it), applied to one problem. */
export const TAGS: CourseTags = {
  idsByObject: {},
  taxonomies: [{ id: 3, name: 'Difficulté', exportId: 'difficulty' }],
  tags: [
    { id: 10, taxonomyId: 3, parentId: null, value: 'Level', externalId: null, lineage: ['Level'] },
    { id: 11, taxonomyId: 3, parentId: 10, value: 'Été', externalId: 'x-11', lineage: ['Level', 'Été'] },
  ],
  objectTags: [
    {
      objectId: usage('problem', 'p1'),
      taxonomyId: 3,
      tagId: 11,
      value: 'Été',
      exportId: 'difficulty',
      lineage: ['Level', 'Été'],
    },
  ],
};
