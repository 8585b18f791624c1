// Pasted HTML is cleaned in an inert document before anything else reads
// it. ProseMirror parses the clipboard in a document made with
// createHTMLDocument, where Chromium still loads images and tries their
// onerror handlers (the admin UI's CSP blocks them, but it should never come
// to that), and the Word list fixer builds elements in the live page. So
// event handlers, script-capable elements and images that are not web URLs
// go first; the markup Word and Google Docs use for structure (styles,
// mso-list, conditional comments) stays for the steps after this.

const dropElements = 'script,iframe,frame,frameset,object,embed,applet,svg,math,template,noscript,link,base,form,input,textarea,select,button';

/** cleanPastedHTML answers html without handlers or active content; the
 * input itself when there was nothing to remove. */
export function cleanPastedHTML(html: string): string {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  let changed = false;
  for (const el of Array.from(doc.querySelectorAll(dropElements))) {
    el.remove();
    changed = true;
  }
  for (const el of Array.from(doc.querySelectorAll('*'))) {
    for (const a of Array.from(el.attributes)) {
      const name = a.name.toLowerCase();
      const active =
        name.startsWith('on') ||
        name === 'srcset' ||
        name === 'srcdoc' ||
        ((name === 'href' || name === 'src' || name === 'action' || name === 'formaction' || name === 'xlink:href') &&
          /^\s*(javascript|vbscript|data):/i.test(a.value.replace(/[\t\n\r]/g, '')));
      if (active) {
        el.removeAttribute(a.name);
        changed = true;
      }
    }
    if (el.tagName === 'IMG' && !/^https?:\/\/\S+$/i.test(el.getAttribute('src') ?? '')) {
      el.remove();
      changed = true;
    }
  }
  if (!changed) return html;
  return /<html[\s>]/i.test(html) ? doc.documentElement.outerHTML : doc.body.innerHTML;
}
