// The admin UI's static files are not TypeScript: the build copies them beside the compiled UI
// (dist/ui/assets), where src/ui/assets.ts reads them from.
import { cpSync } from 'node:fs'

cpSync('src/ui/assets', 'dist/ui/assets', { recursive: true })
