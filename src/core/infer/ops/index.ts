/** Loads every op family so that their inference functions are registered. */
import './elementwise';
import './reduce';
import './shape';
import './nn';
import './matmul';
import './control';
import './rnn';
import './misc';
import './ml';
