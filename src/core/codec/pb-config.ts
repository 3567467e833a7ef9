// Imported before the generated module so that its int64 defaults are plain numbers: no Long anywhere.
import * as $protobuf from 'protobufjs/minimal';

($protobuf.util as any).Long = undefined;
$protobuf.configure();
