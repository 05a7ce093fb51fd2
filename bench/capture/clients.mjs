// The request that bench/capture and bench/peers time: a keep-alive POST of a 1 KB JSON body, its
// 1 KB JSON answer read to the end, through global fetch or node:http.
const payload = JSON.stringify({ query: 'x'.repeat(900), page: 1, tags: ['a', 'b'] })

/** `{ fetch, http }`: functions that each send one request to `url` and resolve when its body has ended. */
export function jsonPosts (url, http, agent) {
  return {
    fetch: async () => {
      const res = await fetch(url, { method: 'POST', body: payload, headers: { 'content-type': 'application/json' } })
      await res.text()
    },
    http: () => new Promise((resolve, reject) => {
      const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
        res.on('data', () => {})
        res.on('end', resolve)
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end(payload)
    }),
  }
}
