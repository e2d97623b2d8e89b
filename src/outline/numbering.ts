/**
 * Aspects' section/subsection/unit counters (platform-plugin-aspects `XBlockSink.serialize_item`): counted by
 * block type at any depth, in outline order. A chapter starts a section, a sequential a subsection, a vertical
 * a unit; every other block takes the current counters. The legacy `problemset` and `videosequence` containers
 * are sequentials under another name (the LMS renders all three alike), so they count as subsections here,
 * where the plugin itself would leave them uncounted.
 */
export interface SectionNumbers {
  section: number;
  subsection: number;
  unit: number;
}

const SUBSECTION_TYPES = new Set(['sequential', 'problemset', 'videosequence']);

export class AspectsCounter {
  private section = 0;
  private subsection = 0;
  private unit = 0;

  next(blockType: string): SectionNumbers {
    if (blockType === 'chapter') {
      this.section += 1;
      this.subsection = 0;
      this.unit = 0;
    } else if (SUBSECTION_TYPES.has(blockType)) {
      this.subsection += 1;
      this.unit = 0;
    } else if (blockType === 'vertical') {
      this.unit += 1;
    }
    return { section: this.section, subsection: this.subsection, unit: this.unit };
  }
}

/** Detached blocks sit outside the tree and are numbered 0:0:0 without touching the counters. */
export const DETACHED_NUMBERS: SectionNumbers = Object.freeze({ section: 0, subsection: 0, unit: 0 });
