/**
 * Aspects' section/subsection/unit counters (platform-plugin-aspects `sinks/course_overview_sink.py`,
 * `XBlockSink.serialize_item`): counted by block type at any depth, in outline order. A chapter starts a
 * section, a sequential a subsection, a vertical a unit; every other block takes the current counters —
 * the legacy `problemset` and `videosequence` containers included, exactly as the plugin counts them.
 */
export interface SectionNumbers {
  section: number;
  subsection: number;
  unit: number;
}

export class AspectsCounter {
  private section = 0;
  private subsection = 0;
  private unit = 0;

  next(blockType: string): SectionNumbers {
    if (blockType === 'chapter') {
      this.section += 1;
      this.subsection = 0;
      this.unit = 0;
    } else if (blockType === 'sequential') {
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
