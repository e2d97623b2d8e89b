import { describe, expect, it } from 'vitest';
import { courseNameFromApi } from '../../src/domain/course-name.js';

describe('courseNameFromApi', () => {
  it('undoes exactly the escaping display_name_with_default_escaped applies: < and >', () => {
    expect(courseNameFromApi('&lt;b&gt;Bold&lt;/b&gt; 101')).toBe('<b>Bold</b> 101');
  });

  it('keeps every other entity as the author typed it, as the modulestore holds it', () => {
    expect(courseNameFromApi('R&amp;D &quot;Intro&quot; &#39;24 &nbsp;')).toBe(
      'R&amp;D &quot;Intro&quot; &#39;24 &nbsp;',
    );
  });
});
