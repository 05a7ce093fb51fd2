// Least-squares line through (x, y) points, for bench/soak's verdict on memory.

/**
 * `{ slope, intercept, stderr }`: y ≈ intercept + slope·x, and the standard error of the slope (how
 * far noise alone would move it, if the residuals were independent; memory's are not quite, so read
 * it as a lower bound).
 * @example fit([[0, 1], [1, 3], [2, 5]]) // { slope: 2, intercept: 1, stderr: 0 }
 */
export function fit (points) {
  const n = points.length
  if (n < 3) throw new Error(`a slope needs at least 3 points, got ${n}`)
  const mx = points.reduce((s, [x]) => s + x, 0) / n
  const my = points.reduce((s, [, y]) => s + y, 0) / n
  let sxx = 0
  let sxy = 0
  for (const [x, y] of points) {
    sxx += (x - mx) ** 2
    sxy += (x - mx) * (y - my)
  }
  const slope = sxy / sxx
  const intercept = my - slope * mx
  const residuals = points.reduce((s, [x, y]) => s + (y - intercept - slope * x) ** 2, 0)
  return { slope, intercept, stderr: Math.sqrt(residuals / (n - 2) / sxx) }
}
