// Inputs for gen-fixtures.mjs: HTML loaded into the editor (as a stored
// body is) or pasted (as from Word or Google Docs), with what the editor's
// output must and must not contain.
const gd = (s) => `font-size:11pt;font-family:Arial,sans-serif;color:#000000;background-color:transparent;${s}font-variant:normal;text-decoration:none;vertical-align:baseline;white-space:pre;white-space:pre-wrap;`;

const word = (body) => `<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns="http://www.w3.org/TR/REC-html40"><head><meta name=ProgId content=Word.Document><style>p.MsoNormal{margin:0cm;font-family:"Calibri",sans-serif;}</style></head><body lang=EN-GB style='tab-interval:36.0pt'><!--StartFragment-->${body}<!--EndFragment--></body></html>`;
const wordItem = (marker, level, list, text) => `<p class=MsoListParagraphCxSpMiddle style='margin-left:${36 * level}.0pt;text-indent:-18.0pt;mso-list:${list} level${level} lfo1'><!--[if !supportLists]--><span style='font-family:Symbol;mso-fareast-font-family:Symbol'><span style='mso-list:Ignore'>${marker}<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp; </span></span></span><!--[endif]-->${text}<o:p></o:p></p>`;

export const cases = [
  {
    name: 'prose',
    html: `<h2>How it works</h2><p>It's a "JAK inhibitor" &amp; more: 5 &lt; 6 &gt; 4. Café\u00a0au lait — ±2 mg/kg; 95% CI 1.2–3.4.</p><h3>Dosing</h3><p><strong>Bold</strong>, <em>italic</em>, <strong><em>both</em></strong>, <s>struck</s> and <code>code</code>.<br>After a break.</p><h4>Small print</h4><blockquote><p>Quoted words.</p></blockquote><hr><pre><code>dose = 2 * weight;\nnext line</code></pre>`,
    contains: ['It&#39;s a &#34;JAK inhibitor&#34; &amp; more', '<h4>', '<br>', '<hr>', '<s>struck</s>'],
  },
  {
    name: 'lists',
    html: `<ul><li><p>One</p><ul><li><p>One a</p></li></ul></li><li><p>Two</p></li></ul><ol start="3"><li><p>Three</p></li><li><p>Four</p></li></ol><ol type="a"><li><p>letter</p></li></ol>`,
    contains: ['<ol start="3">', '<ol type="a">', '<ul><li><p>One</p><ul>'],
  },
  {
    name: 'links',
    html: `<p><a href="https://example.org/a?b=1&amp;c=2">web</a>, <a href="http://example.org/">plain</a>, <a href="mailto:desk@example.org">mail</a>, <a href="#ref-1">cite</a>, <a href="javascript:alert(1)">js</a>, <a href="/admin">relative</a>, <a href="//evil.example/">proto</a>, <a href="https://example.org/" target="_self" rel="opener" title="t">attrs</a>.</p>`,
    contains: ['<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener" target="_blank">web</a>', '<a href="mailto:desk@example.org">mail</a>', '<a href="#ref-1">cite</a>'],
    lacks: ['javascript', '/admin"', '//evil'],
  },
  {
    name: 'table',
    html: `<table style="width: 500px"><colgroup><col style="width: 200px"><col></colgroup><tbody><tr><th colwidth="200" style="text-align:center">Dose</th><th>Effect</th></tr><tr><td colspan="2" style="background:red">Both &amp; more</td></tr><tr><td><p>1 mg</p></td><td>Less</td></tr></tbody></table>`,
    contains: ['<table><thead><tr><th scope="col"><p>Dose</p></th>', '</tr></thead><tbody><tr><td colspan="2"><p>Both &amp; more</p></td>'],
    lacks: ['style', 'colwidth', 'colgroup'],
  },
  {
    name: 'table-captioned',
    html: `<table><caption>Doses by   weight</caption><thead><tr><th scope="col">Weight</th><th scope="col">Dose</th></tr></thead><tbody><tr><th scope="row">Under 30 kg</th><td>2 mg</td></tr><tr><th scope="row">30 kg or more</th><td>4 mg</td></tr></tbody></table>`,
    contains: ['<table><caption>Doses by weight</caption><thead><tr><th scope="col"><p>Weight</p></th><th scope="col"><p>Dose</p></th></tr></thead><tbody><tr><th scope="row"><p>Under 30 kg</p></th><td><p>2 mg</p></td></tr>'],
    lacks: ['<p>Doses'],
  },
  {
    name: 'figure',
    html: `<figure><img src="https://example.org/chart.png" alt="Response at week 12: 70% vs 40%; p&lt;0.01 &quot;ACR20&quot;" width="600"><figcaption>Figure 1. <em>ACR20</em> response.</figcaption></figure><p>Then a bare image:</p><img src="https://example.org/b.png" alt="b"><p><img src="data:image/png;base64,AAAA" alt="inline data"></p>`,
    contains: ['<figure><img src="https://example.org/chart.png" alt="Response at week 12: 70% vs 40%; p&lt;0.01 &#34;ACR20&#34;"><figcaption>Figure 1. <em>ACR20</em> response.</figcaption></figure>', '<figure><img src="https://example.org/b.png" alt="b"><figcaption></figcaption></figure>'],
    lacks: ['data:'],
  },
  {
    name: 'citations',
    html: `<p>An <abbr title="nonsteroidal anti-inflammatory drug">NSAID</abbr> lowers it<sup><a href="#ref-1">1</a></sup>; H<sub>2</sub>O and x<sup>2</sup>.</p>`,
    contains: ['<abbr title="nonsteroidal anti-inflammatory drug">NSAID</abbr>', '<sup><a href="#ref-1">1</a></sup>', 'H<sub>2</sub>O'],
  },
  {
    name: 'paste-google-docs',
    paste: true,
    html: `<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-4d2c1e0a-7fff-8c3b-1a2b-0123456789ab"><h1 dir="ltr" style="line-height:1.38;margin-top:20pt;margin-bottom:6pt;"><span style="${gd('font-weight:400;font-style:normal;')}">Baricitinib</span></h1><p dir="ltr" style="line-height:1.38;margin-top:0pt;margin-bottom:0pt;"><span style="${gd('font-weight:400;font-style:normal;')}">It's a </span><span style="${gd('font-weight:700;font-style:normal;')}">JAK inhibitor</span><span style="${gd('font-weight:400;font-style:normal;')}"> taken </span><span style="${gd('font-weight:400;font-style:italic;')}">once daily</span><span style="${gd('font-weight:400;font-style:normal;')}">, see </span><a href="https://example.org/study" style="text-decoration:none;"><span style="${gd('font-weight:400;font-style:normal;').replace('text-decoration:none', 'text-decoration:underline;-webkit-text-decoration-skip:none').replace('#000000', '#1155cc')}">the study</span></a><span style="${gd('font-weight:400;')}">.</span></p><ul style="margin-top:0;margin-bottom:0;padding-inline-start:48px;"><li dir="ltr" style="list-style-type:disc;font-size:11pt;font-family:Arial,sans-serif;" aria-level="1"><p dir="ltr" style="line-height:1.38;margin-top:0pt;margin-bottom:0pt;" role="presentation"><span style="${gd('font-weight:400;')}">First</span></p></li><li dir="ltr" style="list-style-type:disc;" aria-level="1"><p dir="ltr" role="presentation"><span style="${gd('font-weight:400;')}">Second</span></p></li></ul><div dir="ltr" style="margin-left:0pt;" align="left"><table style="border:none;border-collapse:collapse;"><colgroup><col width="301"><col width="301"></colgroup><tbody><tr style="height:0pt"><td style="border-left:solid #000000 1pt;padding:5pt;"><p dir="ltr"><span style="${gd('font-weight:700;')}">Dose</span></p></td><td style="padding:5pt;"><p dir="ltr"><span style="${gd('font-weight:400;')}">2 mg</span></p></td></tr></tbody></table></div></b><br class="Apple-interchange-newline">`,
    contains: ['<h2>Baricitinib</h2>', '<p>It&#39;s a <strong>JAK inhibitor</strong> taken <em>once daily</em>, see <a href="https://example.org/study" rel="nofollow noopener" target="_blank">the study</a>.</p>', '<ul><li><p>First</p></li><li><p>Second</p></li></ul>', '<table><tbody><tr><td><p><strong>Dose</strong></p></td>'],
    lacks: ['style', 'docs-internal', '<strong>Baricitinib', '<u>', 'width'],
  },
  {
    name: 'paste-word',
    paste: true,
    html: word(`<h1>Baricitinib<o:p></o:p></h1><p class=MsoNormal>It’s <b>not</b> a <i>cure</i>.<o:p></o:p></p>${wordItem('·', 1, 'l0', 'First point')}${wordItem('o', 2, 'l0', 'Nested point')}${wordItem('·', 1, 'l0', 'Second point')}<p class=MsoNormal><o:p>&nbsp;</o:p></p>${wordItem('1.', 1, 'l1', 'Step one')}${wordItem('2.', 1, 'l1', 'Step two')}<p class=MsoNormal><a href="https://example.org/">A link</a> and <span style='color:red;mso-bidi-font-weight:bold'>red</span>.</p>`),
    contains: ['<h2>Baricitinib</h2>', '<strong>not</strong>', '<em>cure</em>', '<ul><li><p>First point</p><ul><li><p>Nested point</p></li></ul></li><li><p>Second point</p></li></ul>', '<ol><li><p>Step one</p></li><li><p>Step two</p></li></ol>'],
    lacks: ['style', 'mso', 'o:p', 'Mso', '·'],
  },
  {
    name: 'paste-hostile',
    paste: true,
    html: `<p onclick="alert(1)" style="color:red">Kept <script>alert(1)</script><a href="javascript:alert(1)">no link</a> <a href=" JaVaScRiPt:x">nor this</a> <img src="x" onerror="alert(1)"><iframe src="https://evil.example/"></iframe><style>p{}</style></p><h1>Title again</h1>`,
    contains: ['<p>Kept no link nor this', '<h2>Title again</h2>'],
    lacks: ['script', 'javascript', 'onerror', 'onclick', 'style', 'iframe', '<a '],
  },
  {
    name: 'unicode',
    html: `<p>Ünïcödé 😀 \u00a0 non-breaking, Ελληνικά, 日本語, <a href="https://example.org/caf%C3%A9">café</a>, <a href="HTTPS://example.org/ä?q=é#größe">raw</a>, <img src="https://example.org/ä.png" alt="ä">, tab\tchar, zero\u200bwidth.</p>`,
    contains: ['😀', '日本語', 'href="https://example.org/%C3%A4?q=é#gr%C3%B6%C3%9Fe"', 'src="https://example.org/%C3%A4.png"'],
  },
];
