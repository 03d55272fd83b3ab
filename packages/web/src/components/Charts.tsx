/** Small SVG charts: enough for a dashboard, with no chart library in the bundle. */

export interface BarSeries {
  name: string;
  color: string;
}

export interface BarRow {
  label: string;
  values: number[];
}

/** Horizontal bars, stacked (counts) or grouped (rates), one row per label. */
export function HBarChart({ rows, series, stacked = false, max, format = (v) => String(v), width = 520 }: {
  rows: BarRow[];
  series: BarSeries[];
  stacked?: boolean;
  max?: number;
  format?: (v: number) => string;
  width?: number;
}) {
  const labelW = 150;
  const barArea = width - labelW - 56;
  const rowH = stacked ? 26 : 14 * series.length + 12;
  const top = 24;
  const height = top + rows.length * rowH + 8;
  const top1 = max ?? Math.max(1, ...rows.map((r) => (stacked ? r.values.reduce((a, b) => a + b, 0) : Math.max(...r.values))));
  const scale = (v: number) => (v / top1) * barArea;
  return (
    <svg width="100%" viewBox={`0 0 ${width} ${height}`} role="img" className="om-chart">
      {series.map((s, i) => (
        <g key={s.name} transform={`translate(${labelW + i * 120}, 6)`}>
          <rect width={10} height={10} fill={s.color} rx={2} />
          <text x={14} y={9} fontSize={11} fill="#595959">
            {s.name}
          </text>
        </g>
      ))}
      {rows.map((r, i) => {
        const y = top + i * rowH;
        let x = labelW;
        return (
          <g key={r.label}>
            <text x={labelW - 8} y={y + rowH / 2 + 4} fontSize={12} textAnchor="end" fill="#262626">
              {r.label.length > 11 ? `${r.label.slice(0, 11)}…` : r.label}
            </text>
            {stacked
              ? r.values.map((v, j) => {
                  const w = scale(v);
                  const el = <rect key={j} x={x} y={y + 4} width={Math.max(0, w)} height={rowH - 8} fill={series[j]!.color} rx={2} />;
                  x += w;
                  return el;
                })
              : r.values.map((v, j) => <rect key={j} x={labelW} y={y + 4 + j * 14} width={Math.max(0, scale(v))} height={11} fill={series[j]!.color} rx={2} />)}
            {stacked ? (
              <text x={x + 6} y={y + rowH / 2 + 4} fontSize={11} fill="#595959">
                {format(r.values.reduce((a, b) => a + b, 0))}
              </text>
            ) : (
              r.values.map((v, j) => (
                <text key={j} x={labelW + Math.max(0, scale(v)) + 6} y={y + 13 + j * 14} fontSize={11} fill="#595959">
                  {format(v)}
                </text>
              ))
            )}
          </g>
        );
      })}
    </svg>
  );
}

/** A ring with a share in the middle (on-time rate, compression ratio). */
export function Ring({ value, label, color }: { value: number | null | undefined; label: string; color: string }) {
  const r = 44;
  const c = 2 * Math.PI * r;
  const v = value == null ? 0 : Math.max(0, Math.min(1, value));
  return (
    <svg width={120} height={120} viewBox="0 0 120 120" role="img" aria-label={label}>
      <circle cx={60} cy={60} r={r} fill="none" stroke="#f0f0f0" strokeWidth={12} />
      <circle cx={60} cy={60} r={r} fill="none" stroke={color} strokeWidth={12} strokeDasharray={`${v * c} ${c}`} transform="rotate(-90 60 60)" strokeLinecap="round" />
      <text x={60} y={64} textAnchor="middle" fontSize={20} fontWeight={600}>
        {value == null ? '—' : `${(value * 100).toFixed(1)}%`}
      </text>
    </svg>
  );
}
