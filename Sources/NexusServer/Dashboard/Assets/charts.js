// Bar and line charts as inline SVG, drawn with DOM calls at the width of their box (redrawn when
// it changes), so labels keep a readable size from a phone to a wide screen. Colours come from
// classes in app.css, which follow the light or dark scheme.

import {h, s} from './dom.js';

const HEIGHT = 180;
const MARGIN = {top: 12, right: 12, bottom: 26, left: 52};

/** A round upper bound for the axis: 1, 2 or 5 times a power of ten. */
function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) {
    if (value <= step * power) return step * power;
  }
  return 10 * power;
}

function draw(svg, kind, points, width, options) {
  const format = options.format || String;
  const inner = {w: Math.max(40, width - MARGIN.left - MARGIN.right), h: HEIGHT - MARGIN.top - MARGIN.bottom};
  const values = points.map((point) => point.value).filter((value) => value !== null && value !== undefined);
  const top = niceMax(Math.max(0, ...values));
  const y = (value) => MARGIN.top + inner.h - (value / top) * inner.h;
  const slot = inner.w / Math.max(points.length, 1);
  const x = (index) => MARGIN.left + slot * index + slot / 2;

  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(HEIGHT));
  svg.setAttribute('viewBox', `0 0 ${width} ${HEIGHT}`);
  const parts = [];

  // Counts get no half-steps on their axis (no "0.5 requests"); an empty chart keeps its baseline only.
  const fractions = values.every((value) => !value) ? [0] : options.integer && !Number.isInteger(top / 2) ? [0, 1] : [0, 0.5, 1];
  for (const fraction of fractions) {
    const level = top * fraction;
    parts.push(s('line', {class: 'grid', x1: MARGIN.left, x2: MARGIN.left + inner.w, y1: y(level), y2: y(level)}));
    parts.push(s('text', {class: 'axis', x: MARGIN.left - 6, y: y(level) + 4, 'text-anchor': 'end', text: format(level)}));
  }
  const every = Math.max(1, Math.ceil(points.length / Math.max(2, Math.floor(inner.w / 70))));
  points.forEach((point, index) => {
    if (index % every === 0) parts.push(s('text', {class: 'axis', x: x(index), y: HEIGHT - 8, 'text-anchor': 'middle', text: point.label}));
  });

  if (values.length === 0 || (kind === 'bar' && values.every((value) => value === 0))) {
    parts.push(s('text', {class: 'empty-label', x: MARGIN.left + inner.w / 2, y: MARGIN.top + inner.h / 2, 'text-anchor': 'middle',
      text: options.emptyText || 'Nothing yet'}));
  } else if (kind === 'bar') {
    const barWidth = Math.max(1, slot - Math.min(4, slot * 0.25));
    points.forEach((point, index) => {
      if (!point.value) return;
      const height = Math.max(1, y(0) - y(point.value));
      parts.push(s('rect', {class: 'bar', x: x(index) - barWidth / 2, y: y(0) - height, width: barWidth, height},
        s('title', {text: `${point.title || point.label}: ${format(point.value)}`})));
    });
  } else {
    let path = '';
    let open = false;
    points.forEach((point, index) => {
      if (point.value === null || point.value === undefined) { open = false; return; }
      path += `${open ? 'L' : 'M'}${x(index).toFixed(1)},${y(point.value).toFixed(1)}`;
      open = true;
    });
    parts.push(s('path', {class: 'line', d: path, fill: 'none'}));
    points.forEach((point, index) => {
      if (point.value === null || point.value === undefined) return;
      const alone = !(points[index - 1] && points[index - 1].value != null) && !(points[index + 1] && points[index + 1].value != null);
      parts.push(s('circle', {class: alone ? 'dot' : 'dot dot-quiet', cx: x(index), cy: y(point.value), r: alone ? 3 : 2},
        s('title', {text: `${point.title || point.label}: ${format(point.value)}`})));
    });
  }
  svg.replaceChildren(...parts);
}

/**
 * A chart in a <figure>.
 * @param {'bar'|'line'} kind
 * @param {{label: string, value: number|null, title?: string}[]} points oldest first
 * @param {{title: string, summary?: string, format?: (value: number) => string, emptyText?: string, integer?: boolean}} options
 */
export function chart(kind, points, options) {
  const svg = s('svg', {class: `chart chart-${kind}`, role: 'img', 'aria-label': `${options.title}. ${options.summary || ''}`.trim()});
  const box = h('div', {class: 'chart-box'}, svg);
  const figure = h('figure', {class: 'chart-figure'}, h('figcaption', {text: options.title}), box);
  let drawnWidth = 0;
  const redraw = () => {
    const width = Math.floor(box.clientWidth);
    if (width > 0 && width !== drawnWidth) {
      drawnWidth = width;
      draw(svg, kind, points, width, options);
    }
  };
  // Drawn once it is in the page and has a width; again whenever the width changes.
  const observer = new ResizeObserver(() => {
    if (!figure.isConnected && drawnWidth > 0) { observer.disconnect(); return; }
    redraw();
  });
  observer.observe(box);
  return figure;
}
