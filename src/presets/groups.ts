/** The picker's groups, in the order a course meets them. */
export const PRESET_GROUPS = ['Basics', 'Large pages', 'Faults and protection', 'LA57', 'PAE and 32-bit', 'EPT and 2D walks', 'Shadow MMU', 'Nested EPT'] as const;

export type PresetGroup = (typeof PRESET_GROUPS)[number];
