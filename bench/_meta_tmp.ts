import * as esbuild from "esbuild";
const r = await esbuild.build({ entryPoints: ["client/main.ts"], bundle: true, write: false, format: "esm", outdir: "/tmp/o", minify: true, metafile: true, platform: "browser", target: ["es2022"], define: { PARLEY_INSPECTOR_URL: '"/i.js"', PARLEY_CALL_URL: '"/c.js"' }, legalComments: "none" ,
 plugins: [{ name: "websocket-only", setup(build) { build.onLoad({ filter: /engine\.io-client[\\/]build[\\/]esm[\\/]transports[\\/]index\.js$/ }, () => ({ contents: `import { WS } from "./websocket.js";\nexport const transports = { websocket: WS };\n`, loader: "js" })); } }]});
for (const o of Object.values(r.metafile.outputs)) for (const [p, i] of Object.entries(o.inputs)) if (p.includes("node_modules") && i.bytesInOutput > 0) console.log(i.bytesInOutput, p.replace(/.*node_modules\//, ""));
await esbuild.stop();
