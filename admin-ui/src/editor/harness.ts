// Drives the real body editor in a browser for gen-fixtures.mjs: loads or
// pastes HTML and answers what the editor would send to the server.
import { createBodyEditor, bodyHTML } from './tiptap';

const element = document.getElementById('editor')!;
const editor = createBodyEditor({ element, html: '', onChange: () => {}, onState: () => {} });

declare global {
  interface Window {
    bodyEditor: { load(html: string): string; paste(html: string): string };
  }
}

window.bodyEditor = {
  load(html: string) {
    editor.commands.setContent(html, { emitUpdate: false });
    return bodyHTML(editor);
  },
  paste(html: string) {
    editor.commands.setContent('', { emitUpdate: false });
    editor.commands.focus();
    editor.view.pasteHTML(html);
    return bodyHTML(editor);
  },
};
(window as unknown as { harnessReady: boolean }).harnessReady = true;
