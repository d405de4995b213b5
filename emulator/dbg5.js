const { startEmulator, sdkOpts } = require('./test/helpers.js');
const { Sandbox } = require('@e2b/code-interpreter');
(async () => {
  const emu = await startEmulator();
  try {
    const sbx = await Sandbox.create({ ...sdkOpts(emu), timeoutMs: 60000 });
    await sbx.runCode('!pwd');
    const r = await sbx.runCode('!pwd');
    console.log('count', r.executionCount, JSON.stringify(r.logs));
    const out = [];
    await sbx.runCode(`
        import matplotlib.pyplot as plt
        import numpy as np
    
        x = np.linspace(0, 20, 100)
        y = np.sin(x)
    
        plt.plot(x, y)
        plt.show()
        
        x
        `, { onResult: (x) => out.push(x) });
    console.log('results', out.length, out.map(o => o.formats()));
    const esm = await sbx.runCode(`
    import { readFileSync } from 'fs'
    console.log(typeof readFileSync)
    `, { language: 'js' });
    console.log('esm', JSON.stringify(esm.logs), esm.error);
    const tw = await sbx.runCode(`
    await Promise.resolve('Hello World!')
    `, { language: 'js' });
    console.log('tla', tw.text);
    const ts = await sbx.runCode('const message: string = "Hello World!"; console.log(message)', { language: 'ts' });
    console.log('ts', JSON.stringify(ts.logs), ts.error);
    console.log('ts cwd', (await sbx.runCode('process.cwd()', { language: 'ts' })).text);
    const pil = await sbx.runCode("from PIL import Image\nimg = Image.new('RGB', (10, 10), 'red')\nimg.save('/tmp/x.png')");
    console.log('pil', pil.results.map(r => r.formats()), pil.error);
    const md = await sbx.runCode("from IPython.display import display, Markdown, HTML, SVG\ndisplay(Markdown('# hi'))\ndisplay(HTML('<b>x</b>'))\n{'a': 1}");
    console.log('md', JSON.stringify(md.results.map(r => [r.formats(), r.isMainResult])));
    const ctx = await sbx.createCodeContext({ language: 'python', cwd: '/root' });
    console.log('ctx', ctx, (await sbx.runCode('import os; os.getcwd()', { context: ctx })).text);
    const long = await sbx.runCode('print("x" * 100000)');
    console.log('long', long.logs.stdout.length, long.logs.stdout[0].length);
    const uni = await sbx.runCode('print("héllo ✓")\n"ünï"');
    console.log('uni', JSON.stringify(uni.logs.stdout), uni.text);
  } catch (e) { console.error('ERR', e); }
  finally { await emu.stop(); }
})();
