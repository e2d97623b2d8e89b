import { describe, expect, it } from 'vitest';
import { displayNameWithDefault } from '../../src/outline/display-name.js';
import { completionModeOf } from '../../src/outline/completion.js';

describe('display_name_with_default', () => {
  it('keeps any name the API gave, untouched and unescaped', () => {
    expect(displayNameWithDefault("Ohm's Calculator - <b>®</b>", 'html', 'x')).toBe(
      "Ohm's Calculator - <b>®</b>",
    );
  });

  it('falls back to the url_name with underscores as spaces when the API sent an empty name', () => {
    expect(displayNameWithDefault('', 'sequential', 'week_1_intro')).toBe('week 1 intro');
  });

  it('falls back to the block type for a blank problem', () => {
    expect(displayNameWithDefault('', 'problem', 'p_1')).toBe('problem');
    expect(displayNameWithDefault('   ', 'problem', 'p_1')).toBe('problem');
  });

  it('keeps a whitespace-only name on other blocks, as edx-platform only replaces None', () => {
    expect(displayNameWithDefault('  ', 'html', 'h_1')).toBe('  ');
  });
});

describe('completion modes', () => {
  it.each([
    ['course', 'aggregator'],
    ['chapter', 'aggregator'],
    ['sequential', 'aggregator'],
    ['vertical', 'aggregator'],
    ['problemset', 'aggregator'],
    ['library_content', 'aggregator'],
    ['video', 'completable'],
    ['discussion', 'excluded'],
    ['html', ''],
    ['problem', ''],
    ['some-custom-xblock', ''],
  ])('%s → %j', (type, mode) => {
    expect(completionModeOf(type)).toBe(mode);
  });
});
