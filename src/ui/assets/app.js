// The admin UI's only script. Pages work without it; it adds the live list, copy buttons and the
// reset countdown. It never builds markup from data: live rows arrive as HTML that the server
// escaped with the same code as the list itself.

const MAX_LIVE_ROWS = 500

function live () {
  const toggle = document.getElementById('live')
  const rows = document.getElementById('rows')
  if (!toggle || !rows) return
  let source = null
  const url = new URL(window.location.href)
  const start = () => {
    source = new EventSource(toggle.dataset.stream)
    source.addEventListener('record', (event) => {
      const record = JSON.parse(event.data)
      if (rows.querySelector(`tr[data-id="${CSS.escape(record.id)}"]`)) return
      rows.insertAdjacentHTML('afterbegin', record.html)
      rows.firstElementChild?.classList.add('new')
      while (rows.children.length > MAX_LIVE_ROWS) rows.lastElementChild.remove()
      document.querySelector('p.empty')?.remove()
    })
    source.addEventListener('error', () => toggle.closest('label')?.classList.toggle('offline', source.readyState !== EventSource.OPEN))
    source.addEventListener('open', () => toggle.closest('label')?.classList.remove('offline'))
  }
  const stop = () => {
    source?.close()
    source = null
  }
  // The switch lives in the URL too, so a shared or reloaded view stays live.
  toggle.addEventListener('change', () => {
    if (toggle.checked) {
      start()
      url.searchParams.set('live', '1')
    } else {
      stop()
      url.searchParams.delete('live')
    }
    window.history.replaceState(null, '', url)
  })
  if (url.searchParams.get('live') === '1') {
    toggle.checked = true
    start()
  }
}

function copyButtons () {
  for (const button of document.querySelectorAll('button.copy[data-copy]')) {
    button.addEventListener('click', async () => {
      const text = document.getElementById(button.dataset.copy)?.textContent ?? ''
      let copied = false
      try {
        await navigator.clipboard.writeText(text)
        copied = true
      } catch {
        // No clipboard permission (plain http on another host): select the text for Ctrl-C instead.
        const range = document.createRange()
        range.selectNodeContents(document.getElementById(button.dataset.copy))
        window.getSelection()?.removeAllRanges()
        window.getSelection()?.addRange(range)
      }
      button.textContent = copied ? 'Copied' : 'Selected: press Ctrl-C'
      setTimeout(() => { button.textContent = 'Copy' }, 2000)
    })
  }
}

function countdowns () {
  const all = document.querySelectorAll('.countdown[data-deadline]')
  if (all.length === 0) return
  const tick = () => {
    for (const el of all) {
      const ms = Date.parse(el.dataset.deadline) - Date.now()
      if (ms <= 0) {
        window.location.reload()
        return
      }
      const s = Math.ceil(ms / 1000)
      const h = Math.floor(s / 3600)
      const m = Math.floor((s % 3600) / 60)
      el.textContent = h ? `${h} h ${m} min` : m ? `${m} min ${s % 60} s` : `${s} s`
    }
  }
  setInterval(tick, 1000)
}

live()
copyButtons()
countdowns()
