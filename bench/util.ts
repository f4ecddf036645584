export interface Section {
  title: string;
  rows: Array<[string, string]>;
  notes?: string;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

export function renderSection(s: Section): string {
  const lines = [`### ${s.title}`, '', '| measure | value |', '| --- | --- |', ...s.rows.map(([k, v]) => `| ${k} | ${v} |`)];
  if (s.notes) lines.push('', s.notes);
  return lines.join('\n');
}
