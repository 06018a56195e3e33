import { ChatPage } from './chat-page.js';

// The page is served by cohora itself, so the server is wherever the page came from.
const page = new ChatPage(new URL('.', window.location.href).href);
page.boot().catch((error: unknown) => {
  console.error(error);
  document.getElementById('connection')!.textContent = 'Something went wrong: reload the page.';
});
