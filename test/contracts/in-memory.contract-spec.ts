import { InMemoryMessageStore } from '../fakes/in-memory-message.store.js';
import { InMemoryUserStore } from '../fakes/in-memory-user.store.js';
import { messageStoreContract } from './message-store.contract.js';
import { userStoreContract } from './user-store.contract.js';

userStoreContract('in-memory fake', () => Promise.resolve(new InMemoryUserStore()));
messageStoreContract('in-memory fake', () => Promise.resolve(new InMemoryMessageStore()));
